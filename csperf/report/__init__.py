"""The committee report bundle (report.md): tables, documents and the zip, every number gated
by csperf.disclosure."""
