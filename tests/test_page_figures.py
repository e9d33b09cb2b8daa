"""Every figure of a page: which are kept (pure), where they stand, when they move, and the
page with its figures lifted off (real ONNX models on pages composed from shared drawings;
those tests carry the blender marker because PNG decoding goes through Blender)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from animate_drawing.imaging.inpaint import fill_holes, lift_figures
from animate_drawing.models import page_figures
from animate_drawing.models.page_figures import keep_page_figures, touching_notes
from animate_drawing.rig.page_layout import PageFrame, clips_for_figures, page_backdrop, place_on_page

from animate_drawing.imaging.image_file import read_image

from composed_pages import FAMILY, MASKED, compose, drawings, paper


def blob(box, shape=(400, 600), score=0.9):
    x0, y0, x1, y1 = box
    mask = np.zeros(shape, bool)
    mask[y0:y1, x0:x1] = True
    return SimpleNamespace(mask=mask, box=tuple(map(float, box)), score=score)


def test_fragments_and_specks_are_dropped_with_a_note():
    person, child = blob((10, 10, 110, 310)), blob((200, 100, 260, 300))
    letter, speck = blob((300, 300, 330, 330)), blob((400, 10, 420, 20))
    kept, notes = keep_page_figures([person, child, letter, speck], lambda f: f.score)
    assert kept == [person, child]
    assert len(notes) == 2
    assert "1 small fragment" in notes[0] and "[300, 300, 330, 330]" in notes[0]
    assert "under 24 px tall" in notes[1] and "[400, 10, 420, 20]" in notes[1]


def test_a_crowd_keeps_the_most_person_like():
    crowd = [blob((20 * k, 10, 20 * k + 15, 60), shape=(100, 600), score=k / 30) for k in range(25)]
    kept, notes = keep_page_figures(crowd, lambda f: f.score)
    assert len(kept) == page_figures.MAX_FIGURES
    assert kept == crowd[-page_figures.MAX_FIGURES:]        # the highest scores, in their own order
    assert "25 figures" in notes[0] and f"{25 - page_figures.MAX_FIGURES} figures skipped" in notes[0]


def test_touching_figures_are_noted_and_apart_ones_not():
    a, b, c = blob((10, 10, 100, 200)), blob((100, 50, 150, 200)), blob((300, 10, 400, 200))
    notes = touching_notes([a, b, c])
    assert len(notes) == 1 and notes[0].startswith("figures 1 and 2 touch")


def test_one_figure_stands_where_a_single_character_always_stood():
    frame, (place,) = place_on_page((800, 600), [(120, 40)], [(50.0, 300.0)], [2 / 300], fps=30)
    assert place.location == (0.0, 0.0, 0.0) and place.scale == 1.0 and place.time_offset == 0
    assert frame.to_world(170, 340) == (0.0, 0.0)


def test_figures_keep_their_page_sizes_places_and_depth():
    # Figure A 300 px tall with feet at row 500; figure B 150 px tall, feet at row 400, 400 px to the right.
    frame, (a, b) = place_on_page((1000, 700), [(100, 200), (500, 250)], [(50.0, 300.0), (50.0, 150.0)],
                                  [2 / 300, 2 / 150], fps=30)
    assert frame.scale == pytest.approx(2 / 300)
    assert a.scale == pytest.approx(1.0) and b.scale == pytest.approx(0.5)     # B is half as tall on the page
    assert a.location == pytest.approx((0.0, 0.0, 0.0))
    assert b.location[0] == pytest.approx(400 * 2 / 300) and b.location[2] == pytest.approx(100 * 2 / 300)
    assert (a.depth_rank, b.depth_rank) == (0, 1) and b.location[1] > a.location[1]   # higher feet: behind
    assert 0 == a.time_offset < b.time_offset <= 10
    u, v = frame.to_page(*frame.to_world(321.0, 123.0))
    assert (u, v) == pytest.approx((321.0, 123.0))


def test_time_offsets_stay_small_in_a_crowd():
    from animate_drawing.rig.page_layout import OFFSET_STEPS

    count = 3 * OFFSET_STEPS
    _, places = place_on_page((2000, 500), [(100 * k, 0) for k in range(count)], [(10.0, 90.0)] * count,
                              [2 / 90] * count, fps=30)
    offsets = [p.time_offset for p in places]
    assert len(set(offsets)) == OFFSET_STEPS and max(offsets) <= 30


def test_clips_go_round_robin():
    assert clips_for_figures(5, ["wave", "jump"]) == ["wave", "jump", "wave", "jump", "wave"]
    assert clips_for_figures(2, ["wave", "jump", "dab"]) == ["wave", "jump"]


def test_backdrop_shows_the_page_where_the_camera_looks_and_paper_beyond():
    page = (np.arange(40 * 60 * 3) % 251).reshape(40, 60, 3).astype(np.uint8)
    frame = PageFrame(60, 40, 0.1, (0.0, 40.0))          # page spans x 0..6, z 0..4
    paper_colour = np.array([1.0, 2.0, 3.0], np.float32)
    # 1 output pixel = 1 page pixel; the view is 80x80 centred on the page's centre.
    out = page_backdrop(page, frame, (3.0, 2.0), 0.1, 80, 80, paper_colour)
    np.testing.assert_array_equal(out[20:60, 10:70], page)
    assert (out[:20] == (1, 2, 3)).all() and (out[:, :10] == (1, 2, 3)).all()


def test_fill_follows_the_paper_around_the_hole():
    sheet = paper(400, 300)
    hole = np.zeros(sheet.shape[:2], bool)
    hole[100:220, 150:260] = True
    damaged = sheet.copy()
    damaged[hole] = (20, 20, 20)                          # ink
    filled = fill_holes(damaged, hole)
    np.testing.assert_array_equal(filled[~hole], sheet[~hole])
    assert np.abs(filled[hole].astype(int) - sheet[hole]).max() <= 4


def test_fill_of_a_page_without_anything_known_is_white():
    assert (fill_holes(np.zeros((8, 8, 3), np.uint8), np.ones((8, 8), bool)) == 255).all()


@pytest.fixture(scope="module")
def family(shared_data):
    from animate_drawing.models.analyze import analyze_array, models_for, AnalysisSettings

    page, masks = compose()
    settings = AnalysisSettings()
    return page, masks, analyze_array(page, None, settings, models_for(settings))


@pytest.mark.blender
def test_every_figure_of_a_composed_page_is_found(family):
    page, masks, analysis = family
    assert len(analysis.figures) == len(FAMILY)
    for mask in masks:                                    # each drawn figure is one found figure
        best = max(np.logical_and(f.mask, mask).sum() / np.logical_or(f.mask, mask).sum() for f in analysis.figures)
        assert best > 0.6


@pytest.mark.blender
def test_the_lifted_page_is_paper_where_the_figures_were(family):
    page, masks, analysis = family
    lifted = lift_figures(page, [f.mask for f in analysis.figures])
    drawn = np.logical_or.reduce(masks)
    clean = paper(page.shape[1], page.shape[0])
    assert np.abs(page[drawn].astype(int) - clean[drawn]).mean() > 40      # the figures were there
    assert np.abs(lifted[drawn].astype(int) - clean[drawn]).mean() < 4     # and now only paper is


@pytest.mark.blender
def test_twenty_tiny_figures_give_a_capped_cast_and_a_note(shared_data):
    from animate_drawing.models.analyze import analyze_array, models_for, AnalysisSettings

    names = drawings()
    crowd = [(names[k % len(names)], 90, 20 + 108 * (k % 10), 130 + 190 * (k // 10)) for k in range(20)]
    page, _ = compose(crowd, size=(1100, 420))
    settings = AnalysisSettings()
    analysis = analyze_array(page, None, settings, models_for(settings))
    assert len(analysis.figures) == page_figures.MAX_FIGURES        # the whole-page pass alone finds one
    assert any(note.startswith("the page has 20 figures") for note in analysis.warnings)


def test_a_part_joined_to_a_figure_is_not_a_figure_of_its_own():
    squirrel, tail = blob((10, 10, 100, 300), score=0.9), blob((100, 100, 300, 300), score=0.2)
    friend = blob((400, 10, 500, 300), score=0.8)
    kept, notes = keep_page_figures([squirrel, tail, friend], lambda f: f.score)
    assert kept == [squirrel, friend]
    assert "1 part joined to a figure" in notes[0] and "[100, 100, 300, 300]" in notes[0]
    holding_hands = blob((100, 10, 200, 300), score=0.7)          # touching, but a body of its own
    assert keep_page_figures([squirrel, holding_hands], lambda f: f.score)[0] == [squirrel, holding_hands]


@pytest.mark.blender
def test_the_squirrels_tail_stays_with_the_squirrel(shared_data):
    from animate_drawing.models.analyze import analyze_image

    analysis = analyze_image(shared_data / "drawings" / "raw" / "input_0072.png")
    assert len(analysis.figures) == 1
    assert any("joined to a figure" in note for note in analysis.warnings)


def test_tiles_cover_the_page_and_a_box_cut_by_a_tile_is_left_to_another():
    from animate_drawing.models.decoders import Detections
    from animate_drawing.models.tiled_detection import detect_with_tiles, tiles

    covered = np.zeros((420, 1100), bool)
    for x, y, side in tiles(1100, 420):
        covered[y:y + side, x:x + side] = True
    assert covered.all()

    figure = np.array([250.0, 100.0, 330.0, 300.0])        # page pixels
    columns = np.arange(1100)
    page = np.zeros((420, 1100, 3), np.uint8)
    page[..., 0], page[..., 1] = columns // 256, columns % 256   # each tile knows where it lies

    def detect(tile):                                      # what a detector sees of that figure on a tile
        x0 = int(tile[0, 0, 0]) * 256 + int(tile[0, 0, 1])
        box = np.clip(figure - (x0, 0, x0, 0), 0, tile.shape[1])
        return Detections(box[None], np.array([0.9]), np.zeros(1, np.int64))

    found = detect_with_tiles(detect, page, Detections(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64)))
    np.testing.assert_allclose(found.boxes, figure[None])  # one box: the copies merged, the cut one (tile at x=420) dropped


@pytest.mark.blender
def test_the_pig_is_a_quadruped_and_the_upright_cat_a_biped(shared_data):
    from animate_drawing.models.body_kind import body_kind

    annotated = shared_data / "drawings" / "annotated"
    def mask(folder):
        return read_image(annotated / folder / "mask.png")[0][..., 0] > 127
    assert body_kind(mask("A2S-LAB_AnimatedTale__test_2")) == "quadruped"
    assert body_kind(mask("ihayvuk_AnimatedDrawings__professor_cat")) == "biped"
    for name in drawings():                                   # people, a bear: two legs each
        assert body_kind(read_image(MASKED / f"{name}_mask_image.png")[0][..., 0] > 127) == "biped", name


def test_shapes_tell_their_bodies():
    from animate_drawing.models.body_kind import body_kind

    dog = np.zeros((100, 200), bool)
    dog[20:70, 10:190] = True                                # body
    for x in (20, 60, 130, 170):
        dog[70:100, x:x + 12] = True                         # four legs
    assert body_kind(dog) == "quadruped"
    ghost = np.zeros((120, 80), bool)
    ghost[10:115, 5:75] = True
    assert body_kind(ghost) == "limbless"
    person = np.zeros((200, 100), bool)
    person[10:120, 20:80] = True
    person[120:200, 25:40] = person[120:200, 60:75] = True   # two legs
    assert body_kind(person) == "biped"


@pytest.mark.blender
def test_annotate_writes_each_figures_body(shared_data, tmp_path):
    import json

    from animate_drawing.models.annotate import annotate

    annotate(shared_data / "drawings" / "annotated" / "A2S-LAB_AnimatedTale__test_2" / "image.png", tmp_path)
    records = json.loads((tmp_path / "analysis.json").read_text())["figures"]
    assert records[0]["body"] == "quadruped"


def test_a_figure_found_in_two_overlapping_pieces_is_one():
    head, body = blob((250, 100, 400, 250), score=0.9), blob((100, 120, 330, 300), score=0.5)
    kept, notes = keep_page_figures([head, body], lambda f: f.score)
    assert len(kept) == 1 and "taken as one figure" in notes[0]
    assert kept[0].box == (100, 100, 400, 300) and kept[0].mask.sum() == (head.mask | body.mask).sum()
    assert head.mask.sum() == 150 * 150                      # the inputs are left as they were


def test_a_figure_cut_by_the_photo_edge_is_noted():
    from animate_drawing.models.page_figures import edge_notes

    inside, cut = blob((10, 10, 100, 300)), blob((500, 100, 599, 399))
    assert edge_notes([inside]) == []
    (note,) = edge_notes([inside, cut])
    assert note.startswith("figure 2 is cut by the photo's right and bottom edge")


def test_a_sack_drawn_on_paper_is_found_limbless():
    from animate_drawing.models.analyze import AnalysisSettings, analyze_array, models_for

    from composed_pages import sack_page

    settings = AnalysisSettings()
    analysis = analyze_array(sack_page(), None, settings, models_for(settings))
    assert [figure.body for figure in analysis.figures] == ["limbless"]
    assert any("hops" in note for note in analysis.warnings)
