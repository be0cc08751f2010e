"""The radar chart of a self-assessment: one axis per area (its short name in the user's language), the mean
of its answers from 0 ("Not yet") to 3 ("Yes, and we review it"), the Level 2 line at 2, and the previous
assessment when there is one. A PNG drawn server-side with matplotlib (Agg backend, DejaVu Sans: Romanian and
German diacritics)."""

from __future__ import annotations

import io
import math

from lmi4vet.employer.assessment import LEVEL_2_MEAN, AreaResult, content

SIZE_INCHES, DPI = 6.0, 120  # 720 x 720 px: sharp on a phone, well under the channels' photo limits
CURRENT, PREVIOUS, THRESHOLD = "#005293", "#8a94a0", "#c0392b"


def radar_png(results: list[AreaResult], lang: str, *, title: str, labels: tuple[str, str, str],
              previous: list[AreaResult] | None = None) -> bytes:
    """The chart as PNG bytes. ``labels``: the legend's (now, before, the Level 2 line) in ``lang``; an area
    without answers is drawn at 0."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    names = [content(lang)["areas"][r.area]["short"] for r in results]
    angles = [2 * math.pi * i / len(results) for i in range(len(results))]
    closed = [*angles, angles[0]]

    def values(found: list[AreaResult]) -> list[float]:
        means = {r.area: r.mean or 0.0 for r in found}
        points = [means.get(r.area, 0.0) for r in results]
        return [*points, points[0]]

    figure = plt.figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
    try:
        axes = figure.add_subplot(polar=True)
        axes.set_theta_offset(math.pi / 2)
        axes.set_theta_direction(-1)
        axes.set_ylim(0, 3)
        axes.set_yticks([1, 2, 3])
        axes.set_yticklabels(["1", "2", "3"], fontsize=8, color="#6c757d")
        axes.set_xticks(angles)
        axes.set_xticklabels(names, fontsize=11)
        axes.tick_params(axis="x", pad=12)
        axes.plot(closed, values(results), color=CURRENT, linewidth=2.2, label=labels[0])
        axes.fill(closed, values(results), color=CURRENT, alpha=0.18)
        if previous:
            axes.plot(closed, values(previous), color=PREVIOUS, linestyle=":", linewidth=2, label=labels[1])
        axes.plot(closed, [LEVEL_2_MEAN] * len(closed), color=THRESHOLD, linestyle="--", linewidth=1.2,
                  label=labels[2])
        axes.set_title(title, fontsize=13, pad=26)
        figure.subplots_adjust(left=0.12, right=0.88, top=0.84, bottom=0.16)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False, fontsize=9)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
