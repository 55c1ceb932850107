"""The `kwstiny` command: each command parses its options and calls one package function."""

from __future__ import annotations

import sys

import click

from kwstiny.errors import KwstinyError


class _Group(click.Group):
    """Prints a KwstinyError as one line (no traceback) and exits with status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KwstinyError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kwstiny")
def main():
    """Train, quantize, profile and run keyword-spotting models for Cortex-M33 boards."""


@main.command("list_specs")
def list_specs():
    """List the model specs kwstiny can find by name."""
    from kwstiny.spec import available_specs
    for name in available_specs():
        click.echo(name)


def _spec(name: str):
    from kwstiny.spec import load_spec
    return load_spec(name)


@main.command("train")
@click.argument("spec")
@click.argument("overrides", nargs=-1)
@click.option("-m", "--multirun", is_flag=True,
              help="Sweep: train every combination of the overrides' comma-separated values "
                   "and write a results table (CSV + Markdown).")
@click.option("--epochs", type=click.IntRange(min=1), help="Override the spec's epoch count.")
@click.option("--resume", is_flag=True, help="Continue from the last finished epoch.")
@click.option("--clean", is_flag=True, help="Delete the run directory first.")
@click.option("--no-evaluate", is_flag=True, help="Stop after fitting (no quantize/evaluate).")
def train_command(spec, overrides, multirun, epochs, resume, clean, no_evaluate):
    """Train SPEC (a name, NAME-test, or a .py path), then quantize and evaluate it.

    OVERRIDES are dotted settings, KEY=VALUE (train.label_smoothing=0.1); with -m each
    may list several values (model.options.setting=A,B,C,D) and every combination is
    trained in turn."""
    from kwstiny.sweep import apply_overrides, sweep
    from kwstiny.train import train
    if resume and clean:
        raise click.UsageError("--resume and --clean contradict each other")
    if multirun:
        if not overrides:
            raise click.UsageError("-m needs at least one KEY=VALUE[,VALUE...] override")
        sweep(_spec(spec), list(overrides), epochs=epochs, evaluate_after=not no_evaluate,
              clean=clean)
        return
    train(apply_overrides(_spec(spec), list(overrides)), epochs=epochs, resume=resume,
          clean=clean, evaluate_after=not no_evaluate)


@main.command("quantize")
@click.argument("spec")
@click.option("--qat", is_flag=True, help="Quantization-aware fine-tuning before conversion.")
def quantize_command(spec, qat):
    """Write SPEC's int8 .tflite (settings in its metadata) into its run directory."""
    from kwstiny.quantize import quantize
    quantize(_spec(spec), qat=qat or None)


@main.command("evaluate")
@click.argument("spec")
@click.option("--tflite", is_flag=True, help="Evaluate the int8 .tflite on the TFLM runtime.")
@click.option("--stream", is_flag=True,
              help="Stream evaluation of the .tflite: FRR and false accepts per hour on long "
                   "audio (SPEC may then also be a run directory or a .tflite file).")
@click.option("--stream-data", metavar="RECIPE|FOLDER",
              help="Long-audio recipe or folder of streams [default: KEYWORD_stream].")
@click.option("--stream-scale", type=click.Choice(["full", "demo", "test"]),
              help="Recipe scale [default: the spec's dataset scale].")
@click.option("--runtime", type=click.Choice(["tflm", "litert"]), default="tflm",
              show_default=True, help="Interpreter for --stream.")
def evaluate_command(spec, tflite, stream, stream_data, stream_scale, runtime):
    """Clip metrics of SPEC on its voice-held-out test split (JSON + plots), or with
    --stream, FRR / false accepts per hour and their curve over thresholds."""
    if stream:
        from kwstiny.stream.evaluation import evaluate_stream
        evaluate_stream(spec, runtime=runtime, data=stream_data, scale=stream_scale)
        return
    from kwstiny.evaluate import evaluate
    evaluate(_spec(spec), tflite=tflite)


def _detection_options(command):
    """--threshold / --suppression / --window / --count / --latency: override the
    detection settings the model carries in its metadata."""
    options = [
        click.option("--threshold", type=click.IntRange(0, 255),
                     help="Detection threshold 0-255 (replaces per-class thresholds too)."),
        click.option("--suppression", type=click.IntRange(min=0),
                     help="ms after a detection before its class can fire again."),
        click.option("--window", type=click.IntRange(min=1),
                     help="Averaging window (average_window_duration_ms)."),
        click.option("--count", type=click.IntRange(min=1),
                     help="Results needed in the window before any decision."),
        click.option("--latency", type=click.IntRange(min=1),
                     help="ms of audio between inferences (whole frame steps)."),
        click.option("--runtime", type=click.Choice(["tflm", "litert"]), default="tflm",
                     show_default=True,
                     help="TFLM Python runtime (the board's kernels) or LiteRT (faster)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _overrides(threshold, suppression, window, count, latency) -> dict:
    return {"threshold": threshold, "suppression_ms": suppression, "window_ms": window,
            "minimum_count": count, "latency_ms": latency}


@main.command("classify_audio")
@click.argument("model")
@click.option("--file", "files", multiple=True, type=click.Path(dir_okay=False),
              help="Classify this audio file instead of the microphone (repeatable).")
@_detection_options
@click.option("--fast", is_flag=True, help="Play --file audio as fast as possible, not in real time.")
@click.option("--device", help="Input device name or number (default: the system's).")
@click.option("--verbose", "-v", is_flag=True, help="Print every inference's scores.")
@click.option("--dump-audio", type=click.Path(file_okay=False),
              help="Write each detection's audio window as a wav into this folder.")
@click.option("--dump-spectrograms", type=click.Path(file_okay=False),
              help="Write each detection's model input as a PNG into this folder.")
def classify_audio_command(model, files, threshold, suppression, window, count, latency,
                           runtime, fast, device, verbose, dump_audio, dump_spectrograms):
    """Run MODEL (a spec name, run directory or .tflite) live on the microphone or on
    --file audio, showing the class scores and each detection."""
    from kwstiny.stream.classify import classify_audio
    if device is not None and device.isdigit():
        device = int(device)
    classify_audio(model, files, runtime=runtime, realtime=not fast, device=device,
                   verbose=verbose, dump_audio=dump_audio, dump_spectrograms=dump_spectrograms,
                   **_overrides(threshold, suppression, window, count, latency))


@main.command("detect")
@click.argument("model")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_detection_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per detection and line.")
def detect_command(model, files, threshold, suppression, window, count, latency, runtime,
                   as_json):
    """Stream FILES through MODEL as fast as possible; print each detection: file, time
    (s), class, score (0-255)."""
    from kwstiny.stream.classify import detect
    detect(model, files, as_json=as_json, runtime=runtime,
           **_overrides(threshold, suppression, window, count, latency))


@main.command("view_audio")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--spec", "spec_name", default="keyword_spotting_alexa", show_default=True,
              help="Spec whose frontend settings to use (a name, NAME-variant or .py path).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str),
              help="PNG to write [default: FILE's name with .png, in the current directory].")
def view_audio_command(file, spec_name, output):
    """Render the spectrogram the model sees for an audio FILE as a PNG."""
    from pathlib import Path

    from kwstiny.frontend.view import render_spectrogram
    spec = _spec(spec_name)
    output = output or Path(file).with_suffix(".png").name
    written = render_spectrogram(file, spec.frontend, output,
                                 title=f"{Path(file).name} through {spec.name}'s frontend")
    click.echo(f"wrote {written}")


if __name__ == "__main__":
    main()
