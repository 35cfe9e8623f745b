"""The commands; importing this package declares them all (BotService does).

Import order is declaration order, which is the order /help, the README table and the platforms list
commands and subcommands in.
"""

# isort: off
from handlers.commands import papers, paper_lists, paper_lookup, paper_why, paper_cost, paper_stats
from handlers.commands import paper_export, paper_import
from handlers.commands import criteria, criteria_edit, criteria_history, criteria_preview
from handlers.commands import explain, ask
from handlers.commands import help

# isort: on

__all__ = ["ask", "criteria", "criteria_edit", "criteria_history", "criteria_preview", "explain", "help", "paper_cost",
           "paper_export", "paper_import", "paper_lists", "paper_lookup", "paper_stats", "paper_why", "papers"]
