"""regimen: treatment-regimen scheduling and dose calculator.

Unit-aware models of radiotherapy fractionation and oral drug cycles, a calendar engine that
lays them on real dates, and exporters for people and machines.
"""

__version__ = "0.1.0"
