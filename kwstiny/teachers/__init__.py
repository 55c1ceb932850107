"""Teachers: models too large for the board that know something the board's model should
learn; they run on the host only (speech_embedding: a speech representation trained on
real people's speech; embedding_head: a keyword classifier on top of it)."""
