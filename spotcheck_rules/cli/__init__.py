"""The ``spotcheck`` command line: a thin shell over the library.

Owns the program (:mod:`.app`: ``main``, the parser, exit codes, the process streams) and its
subcommands (:mod:`.commands`). Nothing in the library imports it.

May import: every other package.
"""
