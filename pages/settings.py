"""Settings: the council, its population, neighbours, targets and polarity, analysis settings."""

from csperf.ui import data, page, settings

con = page.setup("Settings")
settings.done_message()
who = settings.council(con)
if who is not None:
    _, nation = data.council(con)
    settings.population(con, who)
    settings.neighbours(con, who)
    settings.targets(con, nation)
    settings.analysis(con)
    settings.report_template(con)
