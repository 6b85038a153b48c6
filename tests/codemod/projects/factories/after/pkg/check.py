from .decoder import get_decoder, make_decoder


def check_names(config):
    decoder = get_decoder(config)
    assert decoder.prefix == 'decoder_'
    other = make_decoder(config)
    return other.prefix
