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


if __name__ == "__main__":
    main()
