"""`kwstiny classify_audio` (live view of a microphone or files) and `kwstiny detect`
(files as fast as possible, one line per detection)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import click
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from kwstiny.errors import KwstinyError
from kwstiny.progress import console as err_console
from kwstiny.stream.detector import Detection
from kwstiny.stream.loop import Inference, StreamClassifier, detection_settings
from kwstiny.inference import open_tflite
from kwstiny.stream.sources import FileSource, MicrophoneSource, Source


def make_classifier(model: str, runtime: str = "tflm", keep_audio: bool = False,
                    board: bool = False, port: str | None = None, **overrides):
    """A StreamClassifier for MODEL with its metadata's detection settings, overridden by
    threshold / suppression_ms / window_ms / minimum_count / latency_ms when given.
    With `board`, the frontend, model and detector run on the board at `port` instead
    (kwstiny.device.stream.BoardClassifier, with the same interface)."""
    if board:
        from kwstiny.device.stream import board_classifier
        classifier = board_classifier(model, port, **overrides)
        classifier.keep_audio = keep_audio
        return classifier
    tflite, _ = open_tflite(model, runtime)
    settings = detection_settings(tflite.metadata, **overrides)
    return StreamClassifier(tflite, settings, keep_audio=keep_audio)


# detect ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    file: str
    detection: Detection

    def to_json(self) -> dict:
        d = self.detection
        return {"file": self.file, "time_s": round(d.time_ms / 1000, 3), "time_ms": d.time_ms,
                "class": d.label, "class_index": d.class_index, "score": d.score}

    def to_text(self) -> str:
        d = self.detection
        return f"{self.file}\t{d.time_ms / 1000:.3f}\t{d.label}\t{d.score}"


def detect_events(classifier: StreamClassifier, files, block_ms: int = 1000,
                  stats: dict | None = None, on_unreadable=None) -> Iterator[Event]:
    """Detections in each file (each a fresh stream), as fast as possible. With
    `on_unreadable`, a file that cannot be read is reported to it and skipped."""
    stats = stats if stats is not None else {}
    stats.setdefault("samples", 0)
    stats.setdefault("inferences", 0)
    with FileSource(files, classifier.sample_rate, realtime=False, block_ms=block_ms,
                    on_unreadable=on_unreadable) as source:
        for segment in source.segments():
            blocks = _counting(segment.blocks, stats)
            segment.blocks = blocks
            for inference in classifier.run(segment):
                stats["inferences"] += 1
                if inference.detection is not None:
                    yield Event(segment.name, inference.detection)


def _counting(blocks, stats):
    for block in blocks:
        stats["samples"] += len(block)
        yield block


def detect(model: str, files, as_json: bool = False, runtime: str = "tflm",
           emit: Callable[[str], None] = click.echo, board: bool = False,
           port: str | None = None, **overrides) -> list[Event]:
    """`kwstiny detect`: print each detection (file, time in s, class, score), one JSON
    object per line with `as_json`; a summary goes to stderr. With `board`, the board
    at `port` runs the stream. A file that cannot be read is reported on stderr and the
    others still run; then a KwstinyError says how many failed (exit status 1)."""
    classifier = make_classifier(model, runtime, board=board, port=port, **overrides)
    if board:
        runtime = f"board {classifier.client.port}"
    stats: dict = {}
    began = time.perf_counter()
    events, failed = [], []

    def unreadable(error):
        failed.append(error)
        err_console.print(f"error: {error}", style="red", markup=False, highlight=False,
                          soft_wrap=True)

    files = list(files)
    for event in detect_events(classifier, files, stats=stats, on_unreadable=unreadable):
        events.append(event)
        emit(json.dumps(event.to_json()) if as_json else event.to_text())
    elapsed = time.perf_counter() - began
    seconds = stats["samples"] / classifier.sample_rate
    err_console.print(f"{len(events)} detection(s) in {len(files) - len(failed)} file(s): "
                      f"{seconds:.1f} s of audio, {stats['inferences']} inferences "
                      f"({runtime}), {seconds / max(elapsed, 1e-9):.0f}x real time")
    if failed:
        raise KwstinyError(f"{len(failed)} of {len(files)} file(s) could not be read: "
                           + ", ".join(getattr(e, "path", str(e)) for e in failed))
    return events


# classify_audio --------------------------------------------------------------------------

class LiveView:
    """The console view: each class's current score and window average, and detections."""

    BAR = 32

    def __init__(self, classifier: StreamClassifier, source_name: str):
        self.classifier = classifier
        self.source_name = source_name
        self.latest: Inference | None = None
        self.detections: list[tuple[str, Detection]] = []
        self.inferences = 0
        self.infer_ms = 0.0

    def update(self, inference: Inference, infer_ms: float) -> None:
        self.latest = inference
        self.inferences += 1
        self.infer_ms = infer_ms
        if inference.detection is not None:
            self.detections.append((inference.segment, inference.detection))

    def __rich__(self):
        c = self.classifier
        table = Table(box=None, pad_edge=False)
        for column in ("class", "score", "", "average", "threshold"):
            table.add_column(column, justify="right" if column not in ("class", "") else "left")
        latest = self.latest
        for i, name in enumerate(c.classes):
            score = int(latest.scores[i]) if latest is not None else 0
            average = latest.averages[i] if latest is not None and latest.averages is not None \
                else None
            threshold = c.detector.thresholds[i]
            hot = average is not None and average > threshold and not name.startswith("_")
            bar = Text("█" * (score * self.BAR // 255), style="bold green" if hot else "cyan")
            table.add_row(name, str(score), bar, "-" if average is None else str(int(average)),
                          "-" if name.startswith("_") else str(threshold))
        where = Path(latest.segment).name if latest is not None else self.source_name
        at = latest.time_ms / 1000 if latest is not None else 0.0
        status = Text(f"{where}  {at:7.2f} s  ·  {self.inferences} inferences  ·  "
                      f"{self.infer_ms:.1f} ms per inference  ·  latency "
                      f"{c.latency_ms} ms  ·  Ctrl-C stops", style="dim")
        lines = [Text(f"{Path(seg).name} {d.time_ms / 1000:8.2f} s  {d.label} ({d.score})",
                      style="bold green") for seg, d in self.detections[-5:]]
        return Group(status, table, Text("last detections:" if lines else "no detection yet",
                                         style="dim"), *lines)


def classify_audio(model: str, files=(), runtime: str = "tflm", realtime: bool = True,
                   input_device=None, verbose: bool = False, dump_audio: str | None = None,
                   dump_spectrograms: str | None = None, console: Console | None = None,
                   source: Source | None = None, board: bool = False, port: str | None = None,
                   **overrides) -> list[Event]:
    """`kwstiny classify_audio`: run MODEL on the microphone (no `files`) or on files
    (real time unless `realtime` is False), with a live view of the scores. With
    `board`, the audio is streamed to the board at `port`, which runs the frontend, the
    model and the detector and sends back its scores and detections."""
    from kwstiny.stream.dump import DetectionDumper

    console = console or Console()
    if board and dump_spectrograms:
        raise KwstinyError("--dump-spectrograms needs the model input, which stays on the "
                           "board with --device; run without --device to dump spectrograms")
    classifier = make_classifier(model, runtime, board=board, port=port, **overrides)
    dumper = DetectionDumper(classifier.settings, dump_audio, dump_spectrograms)
    classifier.keep_audio = dumper.needs_audio
    if source is None:
        source = FileSource(files, classifier.sample_rate, realtime=realtime) if files \
            else MicrophoneSource(classifier.sample_rate, device=input_device,
                                  gain=classifier.detection.volume_gain)
    view = LiveView(classifier, "microphone" if not files else "files")
    events: list[Event] = []
    with source:
        source.open()  # a missing microphone fails here, before the live view
        with Live(view, console=console, refresh_per_second=8, transient=False) as live:
            for segment in source.segments():
                for inference in classifier.run(segment):
                    view.update(inference, classifier.last_invoke_ms)
                    if verbose:
                        live.console.print(_inference_line(classifier, inference))
                    if inference.detection is not None:
                        d = inference.detection
                        events.append(Event(segment.name, d))
                        live.console.print(
                            f"[bold green]detected {d.label}[/] (score {d.score}) at "
                            f"{d.time_ms / 1000:.2f} s in {Path(segment.name).name}")
                        for path in dumper.dump(inference):
                            live.console.print(f"  wrote {path}", style="dim")
    overflows = getattr(source, "overflows", 0)
    if overflows:
        err_console.print(f"warning: the microphone dropped {overflows} block(s): inference "
                          f"did not keep up (try --runtime litert)")
    return events


def _inference_line(classifier: StreamClassifier, inference: Inference) -> str:
    scores = "  ".join(f"{name} {int(s):3d}" for name, s in zip(classifier.classes,
                                                                 inference.scores))
    averages = "-" if inference.averages is None else " ".join(
        str(int(a)) for a in inference.averages)
    return (f"{Path(inference.segment).name} {inference.time_ms / 1000:8.2f} s  {scores}  "
            f"avg {averages}")
