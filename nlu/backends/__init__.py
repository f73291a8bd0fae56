"""Intent backends: ``embedded`` (fastText supervised, trained from ``nlu/data``)."""
