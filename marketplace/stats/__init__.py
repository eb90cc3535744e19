"""Statistics of rounds: the JSON API, the public dashboard and the wall screen."""
