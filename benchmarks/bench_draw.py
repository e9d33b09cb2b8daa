"""Speed of the numpy drawing primitives (imaging/draw.py) and the joint overlay built on them,
against the OpenCV calls they replace (anti-aliased where the old code was), single-threaded,
on a 1000 x 750 RGB picture like the analysis images.

    python -c "from benchmarks.bench_draw import main; main()"
"""

from __future__ import annotations

import cv2
import numpy as np

from animate_drawing.imaging.contours import compress_chain, outer_outlines
from animate_drawing.imaging.draw import draw_line, draw_polyline, draw_rectangle, draw_text, fill_disc
from animate_drawing.models.joints import AD_PARENT_INDEX
from animate_drawing.models.overlay import draw_joint_overlay
from benchmarks.bench_imaging import Case, figure_mask, print_table

AA = cv2.LINE_AA
COLOUR = (0, 200, 255)


def cases() -> list[Case]:
    canvas = np.full((1000, 750, 3), 128, np.uint8)
    mask = figure_mask(1000, 750)
    outline = compress_chain(outer_outlines(mask)[0])
    rng = np.random.default_rng(0)
    joints = np.column_stack([rng.uniform(150, 600, 16), rng.uniform(150, 850, 16)])
    conf = rng.uniform(0, 1, 16)

    def opencv_overlay():  # the calls the overlay made before (thickness 3 at 1000 px)
        out = canvas.copy()
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, COLOUR, 3)
        cv2.rectangle(out, (100, 100), (650, 900), (240, 220, 0), 3)
        pts = np.rint(joints).astype(int)
        for i, parent in enumerate(AD_PARENT_INDEX):
            if parent >= 0:
                cv2.line(out, tuple(pts[parent]), tuple(pts[i]), COLOUR, 4, AA)
        for p in pts:
            cv2.circle(out, tuple(p), 10, COLOUR, -1, AA)
        return out

    return [
        Case(f"closed outline {len(outline)} pts, 3 px", lambda: draw_polyline(canvas, outline, COLOUR, 3, True),
             lambda: cv2.polylines(canvas, [outline], True, COLOUR, 3, AA)),
        Case("line 700 px diagonal, 5 px", lambda: draw_line(canvas, (50, 100), (550, 590), COLOUR, 5),
             lambda: cv2.line(canvas, (50, 100), (550, 590), COLOUR, 5, AA)),
        Case("disc radius 13", lambda: fill_disc(canvas, (300.4, 400.7), 13, COLOUR),
             lambda: cv2.circle(canvas, (300, 401), 13, COLOUR, -1, AA)),
        Case("rectangle 550x800, 4 px", lambda: draw_rectangle(canvas, (100, 100), (650, 900), COLOUR, 4),
             lambda: cv2.rectangle(canvas, (100, 100), (650, 900), COLOUR, 4)),
        Case("caption, 34 characters", lambda: draw_text(canvas, "x" * 34, (10, 950), COLOUR),
             lambda: cv2.putText(canvas, "x" * 34, (10, 960), cv2.FONT_HERSHEY_SIMPLEX, 0.38, COLOUR, 1, AA)),
        Case("joint overlay (outline, box, bones, joints)",
             lambda: draw_joint_overlay(canvas, mask, joints, conf, (100, 100, 650, 900)), opencv_overlay),
    ]


def main() -> None:
    print_table(cases())


if __name__ == "__main__":
    main()
