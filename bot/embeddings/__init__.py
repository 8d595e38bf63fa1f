"""Sentence vectors: the bundled model (``model``) and the on-disk cache of item vectors (``cache``).

The model turns a sentence into a 384-number vector such that sentences that mean the same thing point the
same way, whatever words they use ("the team is snowed under" and "high workload in social work teams").
It runs offline with onnxruntime and the tokenizers library; nothing is downloaded at run time.
"""

from bot.embeddings.cache import Quantised, VectorCache
from bot.embeddings.model import DIMENSIONS, Embedding, Encoder, load_encoder

__all__ = ["DIMENSIONS", "Embedding", "Encoder", "Quantised", "VectorCache", "load_encoder"]
