"""What a model costs per second of audio at the schedule its metadata gives."""

from kwstiny.profile.schedule import schedule, schedule_lines


def test_window_model_runs_every_latency_in_whole_frames():
    info = schedule({"fe.window_step_ms": 10, "latency_ms": 205}, 4_560_000, time_s=0.057)
    assert info["period_ms"] == 200 and info["invokes_per_s"] == 5
    assert info["macs_per_s_of_audio"] == 22_800_000
    assert abs(info["duty_cycle"] - 0.285) < 1e-9 and not info["duty_cycle_is_lower_bound"]
    assert "whole window" in schedule_lines(info)[0]


def test_streaming_model_runs_every_frames_per_invoke():
    meta = {"fe.window_step_ms": 10, "latency_ms": 200, "streaming": True,
            "frames_per_invoke": 8}
    info = schedule(meta, 80_000, time_s=0.004, complete=False)
    assert info["period_ms"] == 80 and info["frames_per_invoke"] == 8
    assert info["macs_per_s_of_audio"] == 1_000_000
    lines = schedule_lines(info)
    assert "8 new frames per invoke" in lines[0]
    assert lines[-1] == "Duty cycle at this schedule: at least 5.0 %"
    assert schedule({}, 1) is None
