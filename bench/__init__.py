"""Performance benchmark of the forum: the article page, the whole thread, posting, the
moderation queue, memory and a hot article under load. ``make bench`` runs it all; see
bench/README.md."""
