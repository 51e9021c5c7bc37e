"""AIP trainer: trains, evaluates and exports vision models from a JSON job spec.

Entry point: ``python -m aip_trainer run JOB.json`` (see ``cli.py`` and docs/contracts.md).
"""

__version__ = "0.1.0"
