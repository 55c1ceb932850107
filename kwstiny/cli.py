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
@click.option("--epochs", type=click.IntRange(min=1), help="Override the spec's epoch count.")
@click.option("--resume", is_flag=True, help="Continue from the last finished epoch.")
@click.option("--clean", is_flag=True, help="Delete the run directory first.")
@click.option("--no-evaluate", is_flag=True, help="Stop after fitting (no quantize/evaluate).")
def train_command(spec, epochs, resume, clean, no_evaluate):
    """Train SPEC (a name, NAME-test, or a .py path), then quantize and evaluate it."""
    from kwstiny.train import train
    if resume and clean:
        raise click.UsageError("--resume and --clean contradict each other")
    train(_spec(spec), epochs=epochs, resume=resume, clean=clean, evaluate_after=not no_evaluate)


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
def evaluate_command(spec, tflite):
    """Clip metrics of SPEC on its voice-held-out test split (JSON + plots)."""
    from kwstiny.evaluate import evaluate
    evaluate(_spec(spec), tflite=tflite)


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


@main.group("device")
def device():
    """Talk to a board running kwstiny's firmware (real, QEMU or the host build)."""


@device.command("info")
@click.option("--port", help="Serial port: /dev/ttyACM0, COM3 or socket://host:port "
                             "(default: KWSTINY_PORT, or the board `kwstiny flash` started).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def device_info_command(port, as_json):
    """Firmware version, board, clock, free RAM and flash, accelerator, loaded model."""
    from kwstiny.device.info import device_info
    click.echo(device_info(port, as_json=as_json))


@device.command("stop")
def device_stop_command():
    """Stop the emulated board (QEMU or host build) that `kwstiny flash` started."""
    from kwstiny.device.session import stop_all_emulators
    click.echo(stop_all_emulators())


@main.command("flash")
@click.argument("target", type=click.Path(dir_okay=False))
@click.option("--board", required=True,
              help="qemu (Cortex-M33 under QEMU), host, or efr32xg24.")
@click.option("--port", help="Serial port of the board (models go over it).")
@click.option("--firmware", type=click.Path(exists=True, dir_okay=False),
              help="Firmware to start an emulated board with when none runs yet.")
def flash_command(target, board, port, firmware):
    """Flash TARGET, a firmware image or a .tflite model, onto a board."""
    from kwstiny.device.flash import flash
    click.echo(flash(target, board, port=port, firmware=firmware))


@main.command("build_firmware")
@click.option("--board", required=True, help="qemu (Cortex-M33 under QEMU) or host.")
@click.option("--tflm-root", type=click.Path(exists=True, file_okay=False),
              help="A tflite-micro checkout built with TFLM's Makefile (default: TFLM_ROOT; "
                   "none: a firmware without the interpreter).")
@click.option("--cmsis-nn", is_flag=True, help="Link TFLM built with OPTIMIZED_KERNEL_DIR=cmsis_nn.")
@click.option("--model", type=click.Path(exists=True, dir_okay=False),
              help="A .tflite to link into the image.")
def build_firmware_command(board, tflm_root, cmsis_nn, model):
    """Build kwstiny's firmware for BOARD with CMake; prints the image's path."""
    import os

    from kwstiny.device.firmware import build_firmware
    click.echo(build_firmware(board, tflm_root=tflm_root or os.environ.get("TFLM_ROOT"),
                              cmsis_nn=cmsis_nn, model=model))


if __name__ == "__main__":
    main()
