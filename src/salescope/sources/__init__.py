"""Reading inputs (CSV/TSV, Excel, JSON lines, Parquet, database tables) into one Ibis table.

One module per format (``delimited``, ``excel``, ``jsonl``, ``database``), chosen per
input by ``readers``; ``combine``
stacks inputs with the same columns, ``star`` joins lookup tables onto the sales table;
``files.read_inputs`` is the entry point.
"""

from salescope.sources.files import InputFile, Source, read_inputs

__all__ = ["InputFile", "Source", "read_inputs"]
