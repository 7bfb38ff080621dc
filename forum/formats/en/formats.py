"""English dates as the forum has always written them, "January 5, 2024", rather than
Django's "Jan. 5, 2024"; every other format is Django's."""

DATE_FORMAT = "F j, Y"
