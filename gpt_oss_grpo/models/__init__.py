"""Model loading: the backend rule, the Unsloth-first import, the Unsloth and transformers loaders, the embedded
demo model and the tiny GPT-OSS. Empty on purpose: importing it must not load transformers or TRL before Unsloth
can patch them. Never reads the task or the dataset.
"""
