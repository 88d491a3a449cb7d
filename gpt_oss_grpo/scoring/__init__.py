"""Scoring: the reward registry and guard, harmony parsing, answer checks, the matmul and code evaluators, the
static checks and the score CLI. Never imports torch, transformers or trl: it loads fast in a bare process.
"""
