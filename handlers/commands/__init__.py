"""The slash commands; importing this package registers them all (BotService does).

Import order is registration order, which is the order /help and the platforms list them in.
"""

# isort: off
from handlers.commands import papers
from handlers.commands import criteria
from handlers.commands import explain
from handlers.commands import help

# isort: on

__all__ = ["criteria", "explain", "help", "papers"]
