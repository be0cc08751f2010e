"""The knowledge base: indicator definitions and the queries the actions ask (figures, occupations, skills)."""
