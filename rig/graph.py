"""Shortest paths over a mesh's edge graph, in numpy alone (the add-on ships without scipy).

Every source is solved at once by a label-correcting Bellman-Ford on the product graph
(vertex, source): each round pushes only the (vertex, source) labels that improved in the
previous round along their vertex's edges. A mesh of ~1,200 vertices settles in ~50–110
rounds (the most edges on a shortest path), each edge relaxed about 1–2 times per source, so
one pass with ~30 sources takes ~5 ms; sources given a distance limit stop early. With
non-negative edge lengths the result is Dijkstra's (equal up to floating-point summation order).
"""

from __future__ import annotations

import numpy as np


class EdgeGraph:
    """Undirected graph of vertex pairs with Euclidean edge lengths, stored as adjacency arrays."""

    def __init__(self, edges: np.ndarray, vertices: np.ndarray):
        """`edges` (E, 2) vertex index pairs, each once; `vertices` (N, 2) positions."""
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        self.vertex_count = len(vertices)
        self.edge_lengths = np.linalg.norm(vertices[edges[:, 0]] - vertices[edges[:, 1]], axis=1)
        # Both directions, grouped by start vertex: the edges out of vertex v are
        # neighbours[offsets[v]:offsets[v + 1]].
        start = np.concatenate([edges[:, 0], edges[:, 1]])
        order = np.argsort(start, kind="stable")
        self.neighbours = np.concatenate([edges[:, 1], edges[:, 0]])[order]
        self.lengths = np.concatenate([self.edge_lengths, self.edge_lengths])[order]
        self.degree = np.bincount(start, minlength=self.vertex_count)
        self.offsets = np.concatenate([[0], np.cumsum(self.degree)])

    def distances(self, seed_vertex, seed_source, seed_distance, source_count: int, limit=None) -> np.ndarray:
        """(N, source_count) shortest path length from each source to each vertex (inf: unreachable).

        Source s starts at the vertices `seed_vertex[k]` with `seed_source[k] == s`, each already at
        distance `seed_distance[k]` ≥ 0 (a source spread over several vertices, as from a virtual
        node with one-way edges into the mesh); a source without seeds reaches nothing. With
        `limit` (source_count,), distances of source s at or beyond `limit[s]` read inf: a source
        only needed nearby is not followed across the whole mesh."""
        n, width = self.vertex_count, max(int(source_count), 1)
        bound = np.full(width, np.inf)
        if limit is not None:
            bound[:source_count] = limit
        # Labels are flat: label = vertex * width + source. Starting every label at its source's
        # limit keeps anything at or beyond it from ever being stored.
        distance = np.tile(bound, n)
        sources = np.asarray(seed_source, dtype=np.int64)
        seeds = np.asarray(seed_vertex, dtype=np.int64) * width + sources
        np.minimum.at(distance, seeds, np.asarray(seed_distance, dtype=np.float64))
        target_base = self.neighbours * width
        active = np.unique(seeds[distance[seeds] < bound[sources]])
        while len(active):
            vertex, source = np.divmod(active, width)
            count = self.degree[vertex]
            ends = np.cumsum(count)
            # Edge ids out of each active label's vertex, label after label.
            edge = np.arange(ends[-1]) + np.repeat(self.offsets[vertex] - ends + count, count)
            target = target_base[edge] + np.repeat(source, count)
            candidate = np.repeat(distance[active], count) + self.lengths[edge]
            better = candidate < distance[target]
            target = target[better]
            np.minimum.at(distance, target, candidate[better])
            active = np.unique(target)
        distance = distance.reshape(n, width)
        distance[distance >= bound] = np.inf
        return distance[:, :source_count]
