// The character counters of the new-broadcast form (the limit is one WhatsApp message).
"use strict";
document.querySelectorAll("textarea[data-limit]").forEach((area) => {
  const counter = document.querySelector(`.counter[data-for="${area.name}"]`);
  if (!counter) return;
  const limit = Number(area.dataset.limit);
  const update = () => {
    counter.textContent = `${area.value.length} / ${limit}`;
    counter.classList.toggle("over", area.value.length > limit);
  };
  area.addEventListener("input", update);
  update();
});
