"""csperf: a council's quarterly children's social care data as a committee-ready pack."""
