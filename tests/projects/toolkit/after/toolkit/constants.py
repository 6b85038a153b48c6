"""Names the toolkit gives its blocks and files."""
MODEL_PREFIX = 'model_'
SOURCE_EMBED_PREFIX = 'source_embed_'
TARGET_EMBED_PREFIX = 'target_embed_'
ENCODER_PREFIX = 'encoder_'
DECODER_PREFIX = 'decoder_'
LHUC_PREFIX = 'lhuc_'
PARAMS_NAME = 'params.%05d'
STATES_NAME = 'trainer.%05d.states'
BOS_ID = 1
