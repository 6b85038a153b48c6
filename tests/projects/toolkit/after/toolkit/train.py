"""Command line: train a small model on random data from a fixed seed, save a checkpoint, resume from one.

    python -m toolkit.train --steps 2 --save DIR
    python -m toolkit.train --resume DIR --from-step 2 --steps 2 [--parameters-only]

prints the losses of the steps it ran as JSON.
"""
import argparse
import json

import mxnet as mx
import numpy as np

from . import constants as C
from . import training
from .config import ModelConfig
from .data import random_batches
from .model import create_model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--save', metavar='DIR', help='write the checkpoint of the last step here')
    parser.add_argument('--resume', metavar='DIR', help='resume from the checkpoint of step --from-step here')
    parser.add_argument('--from-step', type=int, default=0)
    parser.add_argument('--parameters-only', action='store_true',
                        help='resume the parameters only, with a fresh optimizer')
    args = parser.parse_args(argv)
    mx.random.seed(7)
    np.random.seed(7)
    model = create_model(ModelConfig(encoder='conv', share_embed=False))
    model.hybridize()
    trainer = training.make_trainer(model, learning_rate=0.05)
    if args.resume and args.parameters_only:
        model.load_parameters('%s/%s' % (args.resume, C.PARAMS_NAME % args.from_step))
    elif args.resume:
        training.load_checkpoint(model, trainer, args.resume, args.from_step)
    batches = random_batches(args.from_step + args.steps)[args.from_step:]
    losses = training.train(model, trainer, batches)
    if args.save:
        training.save_checkpoint(model, trainer, args.save, args.from_step + args.steps)
    print(json.dumps([float(loss) for loss in losses]))


if __name__ == '__main__':
    main()
