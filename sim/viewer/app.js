// viewer player
