"""Our side of each wire: what a bot team writes. Knows only the clients, URLs and clocks it is given."""
