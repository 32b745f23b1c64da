"""Local politics (docs/politics.md): who the mission heard
(:mod:`geo.politics.constituencies`), whether local agreements hold
(:mod:`geo.politics.agreements`), what people think
(:mod:`geo.politics.perceptions`), with their parameters
(:mod:`geo.politics.params`) and statistics (:mod:`geo.politics.stats`)."""
