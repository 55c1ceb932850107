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


if __name__ == "__main__":
    main()
