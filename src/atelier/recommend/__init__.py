"""Pure recommendation cores: events, profiles, collaborative models, graph, blend, diversity."""
