"""Joint overlays and contact sheets: what is drawn where, in which colour."""

from __future__ import annotations

import cv2
import numpy as np

from animate_drawing.models.joints import AD_NAMES, LOW_CONFIDENCE
from animate_drawing.models.overlay import contact_sheet, draw_joint_overlay

GREEN, RED = (40, 200, 60), (230, 40, 40)
LEFT, RIGHT, CENTRE = (60, 120, 255), (255, 140, 0), (200, 0, 200)
OUTLINE, BOX = (0, 200, 255), (240, 220, 0)

STICK = {  # a figure in a 300 x 300 picture (x, y)
    "root": (150, 170), "hip": (150, 165), "torso": (150, 100), "neck": (150, 60),
    "right_shoulder": (120, 100), "right_elbow": (90, 130), "right_hand": (60, 160),
    "left_shoulder": (180, 100), "left_elbow": (210, 130), "left_hand": (240, 160),
    "right_hip": (130, 175), "right_knee": (125, 220), "right_foot": (120, 265),
    "left_hip": (170, 175), "left_knee": (175, 220), "left_foot": (180, 265),
}


def _paper(h=300, w=300) -> np.ndarray:
    return np.full((h, w, 3), 128, np.uint8)


def test_overlay_draws_joints_bones_box_and_outline_in_their_colours():
    image = _paper()
    joints = np.array([STICK[n] for n in AD_NAMES], np.float64)
    conf = np.ones(len(AD_NAMES))
    conf[AD_NAMES.index("right_elbow")] = LOW_CONFIDENCE / 2
    mask = np.zeros((300, 300), bool)
    mask[40:281, 40:261] = True
    out = draw_joint_overlay(image, mask, joints, conf, box=(30, 30, 270, 290))
    assert out.shape == (300, 300, 3) and out.dtype == np.uint8 and (image == 128).all()  # input untouched
    colour_at = lambda x, y: tuple(int(v) for v in out[y, x])  # noqa: E731
    assert colour_at(90, 130) == RED                          # the unsure joint
    assert colour_at(210, 130) == GREEN and colour_at(150, 60) == GREEN
    assert colour_at(225, 145) == LEFT                        # left elbow -> hand, midway
    assert colour_at(122, 242) == RIGHT                       # right knee -> foot
    assert colour_at(150, 80) == CENTRE                       # torso -> neck
    assert colour_at(40, 200) == OUTLINE and colour_at(260, 120) == OUTLINE
    assert colour_at(30, 120) == BOX and colour_at(200, 290) == BOX
    assert colour_at(100, 240) == (128, 128, 128)             # paper where nothing is drawn


def test_overlay_outlines_only_the_outer_boundary_of_the_mask():
    mask = np.zeros((200, 240), np.uint8)
    cv2.ellipse(mask, (120, 100), (90, 60), 20, 0, 360, 1, -1)
    mask[90:110, 100:140] = 0                                 # a hole: not outlined
    off_image = np.full((len(AD_NAMES), 2), -100.0)           # bones and joints all clipped away
    out = draw_joint_overlay(_paper(200, 240), mask.astype(bool), off_image)
    changed = (out != 128).any(2)
    boundary = mask.astype(bool) & ~cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(bool)
    boundary[85:115, 95:145] = False                          # the hole's rim
    near_boundary = cv2.dilate(boundary.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert changed[boundary].all()                            # the whole outer rim is drawn...
    assert not changed[~near_boundary].any()                  # ...and nothing else, hole rim included


def test_contact_sheet_grid_thumbnails_and_captions():
    wide = np.zeros((50, 100, 3), np.uint8)
    wide[...] = (200, 30, 30)
    tall = np.zeros((120, 40, 4), np.uint8)                   # RGBA in: alpha dropped
    tall[...] = (30, 30, 200, 0)
    labels = ["wide", "", "x" * 80]
    sheet = contact_sheet([wide, tall, wide], labels, cell=240, columns=2)
    caption = (sheet.shape[0] - 2 * 240) // 2
    assert sheet.shape == (2 * (240 + caption), 480, 3) and 10 <= caption <= 24
    # Aspect kept, centred: the wide picture is 236 x 118 in the middle of its cell.
    red = np.all(sheet[:240, :240] == (200, 30, 30), axis=2)
    ys, xs = np.nonzero(red)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (2, 237, 61, 178)
    blue = np.all(sheet[:240, 240:] == (30, 30, 200), axis=2)
    assert blue.sum() == 79 * 236
    white = np.all(sheet == 255, axis=2)
    assert white[240:240 + caption, :240].any()              # "wide" captioned...
    assert not white[240:240 + caption, 240:].any()          # ...the empty label not
    long_caption = white[2 * 240 + caption:, :]
    assert long_caption[:, :240].any() and not long_caption[:, 237:].any()  # cut to its cell
    assert sheet[500, 400].tolist() == [90, 90, 90]           # grey where no picture is
