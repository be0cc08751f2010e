"""The admin console: review conversations, correct what the assistant misunderstood, analytics, privacy."""
