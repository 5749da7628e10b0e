"""Pure rules of the Review Protocols: no I/O, no clock reads, easy to test exhaustively."""
