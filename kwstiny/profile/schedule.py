"""How often a model runs on a stream, and what that costs per second of audio.

A window model runs every latency_ms (in whole frame steps, as kwstiny.stream.loop
schedules it); a streaming model (metadata `streaming`) every frames_per_invoke frames.
With a time per invoke from a target's cost model, the duty cycle is that time over
the period between invokes.
"""

from __future__ import annotations


def schedule(metadata: dict, macs_per_invoke: int, time_s: float | None = None,
             complete: bool = True) -> dict | None:
    """The model's invoke schedule and per-second cost; None without frontend metadata."""
    step_ms = metadata.get("fe.window_step_ms")
    if not step_ms:
        return None
    step_ms = int(step_ms)
    streaming = bool(metadata.get("streaming", False))
    if streaming:
        frames = int(metadata.get("frames_per_invoke") or 0)
    else:
        frames = max(1, int(metadata.get("latency_ms", 200)) // step_ms)
    if frames < 1:
        return None
    period_s = frames * step_ms / 1000
    result = {
        "streaming": streaming,
        "frames_per_invoke": frames if streaming else None,
        "period_ms": frames * step_ms,
        "invokes_per_s": 1 / period_s,
        "macs_per_invoke": macs_per_invoke,
        "macs_per_s_of_audio": macs_per_invoke / period_s,
    }
    if time_s:
        # Incomplete estimates (layers without a cycle model) give a lower bound.
        result["duty_cycle"] = time_s / period_s
        result["duty_cycle_is_lower_bound"] = not complete
    return result


def schedule_lines(info: dict | None) -> list[str]:
    if not info:
        return []
    kind = (f"streaming, {info['frames_per_invoke']} new frames per invoke" if info["streaming"]
            else "whole window per invoke")
    lines = [f"Invokes: every {info['period_ms']} ms ({info['invokes_per_s']:.1f}/s, {kind})",
             f"MACs per invoke: {info['macs_per_invoke'] / 1e6:.3f} M",
             f"MACs per second of audio: {info['macs_per_s_of_audio'] / 1e6:.3f} M"]
    if "duty_cycle" in info:
        bound = "at least " if info["duty_cycle_is_lower_bound"] else ""
        lines.append(f"Duty cycle at this schedule: {bound}{100 * info['duty_cycle']:.1f} %")
    return lines
