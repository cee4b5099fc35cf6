from __future__ import annotations

import gc

from fashn_mock.collector import tune_gc


def test_a_serving_process_collects_its_young_generation_less_often() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == (50_000, 20, 20) and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
