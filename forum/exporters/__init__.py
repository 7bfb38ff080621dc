"""Writing the forum out in other systems' formats, one module per format.

``wordpress`` writes WordPress eXtended RSS (WXR 1.2), which WordPress's own importer
reads and so does ours (``forum.importers``): an export imported into an empty site
gives the same pages. Exporters stream: they write as they read, so a big site does
not have to fit in memory.
"""

from .wordpress import ExportCounts, export_wxr

__all__ = ["ExportCounts", "export_wxr"]
