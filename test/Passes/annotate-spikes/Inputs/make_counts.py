"""Write the count files the annotate-spikes tests read: python make_counts.py DIR."""

import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
good = {
    "in": np.array([3, 0, 1, 2]),                                 # counts, one per neuron
    "h": np.array([[1, 0], [1, 1], [0, 0], [1, 0]], dtype=bool),  # a spike train [steps, n]: 3 and 1
    "c": np.arange(8, dtype=np.int32).reshape(2, 2, 2),           # counts in the population's shape
}
np.savez(os.path.join(out, "counts.npz"), **good)
np.savez(os.path.join(out, "missing.npz"), **{k: v for k, v in good.items() if k != "h"})
np.savez(os.path.join(out, "length.npz"), **{**good, "h": np.array([1, 2, 3])})
np.savez(os.path.join(out, "negative.npz"), **{**good, "c": np.array([0, 1, 2, -4, 0, 0, 0, 0])})
np.savez(os.path.join(out, "fraction.npz"), **{**good, "in": np.array([0.5, 1.0, 2.0, 3.0])})
with open(os.path.join(out, "junk.npz"), "w") as f:
    f.write("these are not spike counts\n")
