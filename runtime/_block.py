"""`Block`: children and Parameters registered by attribute assignment, structural names."""
import re
import warnings
import weakref
from collections import OrderedDict

import mxnet as mx
from mxnet import initializer, ndarray
from mxnet.gluon.utils import HookHandle

from . import _checkpoint
from ._np import to_legacy
from ._nest import indent
from ._summary import print_summary
from .parameter import Parameter, unique_parameters


def _current_name_manager():
    # `NameManager.current` emits a DeprecationWarning on every read (an error under
    # `-W error`); read the thread-local it wraps, as stock Gluon 1.9.1 does.
    local = mx.name.NameManager._current
    if not hasattr(local, 'value'):
        local.value = mx.name.NameManager()
    return local.value


def _holds_unregistered_block(container, registered):
    """Whether a (nested) list/tuple/dict holds a Block whose id is not in `registered`."""
    todo, seen = [container], set()
    while todo:
        value = todo.pop()
        if isinstance(value, (list, tuple, dict)):
            if id(value) in seen:  # a container that holds itself
                continue
            seen.add(id(value))
        if isinstance(value, dict):
            todo.extend(value.values())
        elif isinstance(value, (list, tuple)):
            todo.extend(value)
        elif isinstance(value, Block) and id(value) not in registered:
            return True
    return False


class Block:
    """Base class of all layers and models.

    Children (Blocks) and Parameters are registered by assigning them to attributes; assigning
    anything else (including `None`) makes a plain attribute. Parameters are addressed by
    structural names such as `'features.0.weight'`.
    """

    # Containers (Sequential, ...) declare themselves: summary() lists their children, not them.
    # Base classes must not know the layers built on them.
    _is_container = False

    def __init__(self):
        self._children = OrderedDict()
        self._reg_params = {}
        self._forward_hooks = OrderedDict()
        self._forward_pre_hooks = OrderedDict()
        # Weak, so that children never keep their parents (and their arrays) alive; keyed by id() since
        # a user Block may define `__eq__` without `__hash__` and so be unhashable.
        self._parents = weakref.WeakValueDictionary()
        self._name = _current_name_manager().get(None, self._alias())

    def _alias(self):
        return self.__class__.__name__.lower()

    @property
    def name(self):
        """`<class alias><global counter>`, e.g. `dense0`; used for graph op names."""
        return self._name

    @property
    def params(self):
        """This block's own Parameters keyed by attribute name (children excluded)."""
        return self._reg_params

    def __repr__(self):
        lines = ['  ({}): {}'.format(key, indent(repr(value), 2))
                 for key, value in self.__dict__.items() if isinstance(value, Block)]
        return '{}(\n{}\n)'.format(self.__class__.__name__, '\n'.join(lines))

    def __setattr__(self, name, value):
        if isinstance(value, (Parameter, Block)) and '_reg_params' not in self.__dict__:
            raise RuntimeError('Cannot register %s "%s" before Block.__init__ ran: call '
                               'super().__init__() first in %s.__init__.'
                               % (type(value).__name__, name, type(self).__name__))
        existing = self.__dict__.get(name)
        if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)):
            raise TypeError("Changing attribute type for {name} from {old} to {new} is not "
                            "allowed: a {kind} attribute can only be replaced by an instance of "
                            "{old}. Use a new attribute name, or `del block.{name}` first."
                            .format(name=name, old=type(existing), new=type(value),
                                    kind=type(existing).__name__))
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            previous = self._reg_params.get(name)
            self._reg_params[name] = value
            if previous is not None and previous is not value:
                self._structure_changed('replacing Parameter "%s"' % name)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        # `del net.fc` unregisters: the child or Parameter is no longer collected, saved,
        # initialized or summarised (spec S2.12).
        value = self.__dict__.get(name)
        if isinstance(value, Block) and self._children.get(name) is value:
            del self._children[name]
            self._unlink_child(value)
            self._structure_changed('deleting child "%s"' % name)
        elif isinstance(value, Parameter) and self._reg_params.get(name) is value:
            del self._reg_params[name]
            self._structure_changed('deleting Parameter "%s"' % name)
        super().__delattr__(name)

    def _structure_changed(self, reason):
        """Hook for HybridBlock: a cached graph must not outlive a change of children or
        Parameters."""

    def _unlink_child(self, block):
        """`block` forgets this parent unless it is still a child under another key."""
        if not any(child is block for child in self._children.values()):
            block._parents.pop(id(self), None)

    def register_child(self, block, name=None):
        """Registers `block` as a child under `name` (default: the next index as a string)."""
        if not isinstance(block, Block):
            raise TypeError("register_child expects a Block, got %r of type %s. Wrap the "
                            "computation in a Block subclass." % (block, type(block).__name__))
        if name is None:
            name = str(len(self._children))
        replaced = self._children.get(name)
        self._children[name] = block
        block._parents[id(self)] = self
        if replaced is not None and replaced is not block:
            self._unlink_child(replaced)  # S2.12: a replaced child loses its parent link

    def _ancestors(self):
        seen, todo = set(), list(self._parents.values())
        while todo:
            block = todo.pop()
            if id(block) not in seen:
                seen.add(id(block))
                yield block
                todo.extend(block._parents.values())

    def _invalidate_ancestor_graphs(self):
        """A change in this subtree makes every ancestor's cached graph stale."""
        for block in self._ancestors():
            clear = getattr(block, '_clear_cached_op', None)
            if clear is not None:
                clear()

    def _checkpoint_aliases(self):
        """Alternative checkpoint keys (relative to this block) -> own Parameter attribute."""
        return {}

    # -- hooks --------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook):
        """Calls `hook(block, args)` before every forward; returns a detachable handle."""
        handle = HookHandle()
        handle.attach(self._forward_pre_hooks, hook)
        return handle

    def register_forward_hook(self, hook):
        """Calls `hook(block, args, output)` after every forward; returns a detachable handle."""
        handle = HookHandle()
        handle.attach(self._forward_hooks, hook)
        return handle

    def __call__(self, *args):
        if self._forward_pre_hooks:  # tested first: no copy of an empty dict on every call
            for hook in list(self._forward_pre_hooks.values()):
                hook(self, args)
        out = self.forward(*args)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                hook(self, args, out)
        return out

    def forward(self, *args):
        """Computation of the block; subclasses override it."""
        raise NotImplementedError('%s must override forward()' % type(self).__name__)

    # -- walking ------------------------------------------------------------------------------
    def _walk_blocks(self, prefix=''):
        """Yields `(structural path, block)` for this block and every descendant."""
        yield prefix, self
        for key, child in self._children.items():
            yield from child._walk_blocks(prefix + key + '.')

    def _collect_params_with_prefix(self, prefix='', select=None):
        pattern = re.compile(select) if select is not None else None
        out = OrderedDict()
        for path, block in self._walk_blocks(prefix):
            for attr, param in block._reg_params.items():
                key = path + attr
                if pattern is None or pattern.match(key):
                    out[key] = param
        return dict(out)

    def collect_params(self, select=None):
        """Parameters of this block and its descendants as `{structural name: Parameter}`.

        `select` is a regular expression matched at the start of the name (`re.match`). A
        shared Parameter appears under every name that reaches it.
        """
        self._check_unregistered_containers()
        return self._collect_params_with_prefix(select=select)

    def _check_unregistered_containers(self):
        for _, block in self._walk_blocks():
            registered = {id(c) for c in block._children.values()}
            for attr, value in block.__dict__.items():
                if attr == '_children' or (attr.startswith('__') and attr.endswith('__')):
                    continue
                if not isinstance(value, (list, tuple, dict)):
                    continue
                if _holds_unregistered_block(value, registered):
                    warnings.warn(
                        '"{}.{}" is an unregistered container with Blocks: Blocks inside a '
                        'list, tuple or dict are not registered (their Parameters are not '
                        'collected, initialized or saved). Register them with register_child() '
                        'or use nn.Sequential/nn.HybridSequential instead.'
                        .format(type(block).__name__, attr), stacklevel=3)

    def _named_unique_params(self, keep='first'):
        """`[(structural name, Parameter)]`, each Parameter object once (shared ones under
        their first name, or last with `keep='last'`): the walk behind every operation that
        must touch a Parameter once (initialize, zero_grad, reset_ctx, setattr, checkpoints)."""
        return unique_parameters(self._collect_params_with_prefix().items(), keep)

    def _unique_params(self):
        return [param for _, param in self._named_unique_params()]

    # -- parameter operations -----------------------------------------------------------------
    def share_parameters(self, shared):
        """Ties this block's Parameters to those of `shared` (structural name -> Parameter).

        Returns self, so `Net().share_parameters(other.collect_params())` chains.
        """
        if shared is None:
            return self
        if not isinstance(shared, dict):
            raise ValueError("'shared' should be in type of Dict (structural name -> "
                             "Parameter), got {}. Pass other_block.collect_params()."
                             .format(type(shared).__name__))
        used = set()
        for path, block in self._walk_blocks():
            for attr in list(block._reg_params):
                key = path + attr
                if shared.get(key) is not None:
                    setattr(block, attr, shared[key])
                    used.add(key)
        for key in shared:
            if key not in used:
                warnings.warn('Parameter name {} is not in the current model! It is ignored; '
                              'the structural names here are {}.'
                              .format(key, sorted(self._collect_params_with_prefix())),
                              stacklevel=2)
        return self

    def initialize(self, init=initializer.Uniform(), ctx=None, verbose=False,
                   force_reinit=False):
        """Initializes every Parameter; `init` is the default, a Parameter's own init wins.

        A shared Parameter is initialized once, under its first structural name.
        """
        if verbose:
            init.set_verbosity(verbose=verbose)
        self._check_unregistered_containers()
        for key, param in self._named_unique_params():
            param.initialize(None, ctx, init, force_reinit=force_reinit, structural_name=key)

    def zero_grad(self):
        """Sets every gradient buffer to 0."""
        by_ctx = OrderedDict()
        for param in self._unique_params():
            if param._grad is None or param.grad_req == 'null':
                continue
            for grad in to_legacy(param._grad):
                if grad.stype == 'default':
                    by_ctx.setdefault(grad.ctx, []).append(grad)
                else:
                    ndarray.zeros_like(grad, out=grad)
        for arrays in by_ctx.values():
            ndarray.reset_arrays(*arrays, num_arrays=len(arrays))

    def reset_ctx(self, ctx):
        """Moves every Parameter to `ctx` (a Context or a list of them)."""
        for param in self._unique_params():
            param.reset_ctx(ctx)

    def setattr(self, name, value):
        """Sets attribute `name` (e.g. 'grad_req', 'lr_mult') on every Parameter."""
        for param in self._unique_params():
            setattr(param, name, value)

    def cast(self, dtype):
        """Casts every Parameter (children first) to `dtype`."""
        for child in self._children.values():
            child.cast(dtype)
        for param in self._reg_params.values():
            param.cast(dtype)

    def apply(self, fn):
        """Calls `fn(block)` on every descendant (children first), then self; returns self."""
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def hybridize(self, active=True, **kwargs):
        """A plain Block has no graph: hybridizes its HybridBlock descendants."""
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def register_op_hook(self, callback, monitor_all=False):
        """Installs `callback(name, op_name, array)` on descendants' cached graphs."""
        for child in self._children.values():
            child.register_op_hook(callback, monitor_all)

    def summary(self, *inputs):
        """Prints a table of layers, output shapes and parameter counts for `inputs`."""
        print_summary(self, *inputs)

    # -- checkpoints --------------------------------------------------------------------------
    def save_parameters(self, filename, deduplicate=False):
        """Writes `{structural name: value}` in the MXNet NDArray file format.

        Fused RNN layers are written under stock 1.9.1's keys for them (`_unfused.0.i2h_weight`), so
        every file loads in stock MXNet 1.9.1 too; `load_parameters` accepts both spellings.
        """
        _checkpoint.save_parameters(self, filename, deduplicate)

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source='current'):
        """Loads a file written by `save_parameters` (ours or stock MXNet 1.x)."""
        _checkpoint.load_parameters(self, filename, ctx, allow_missing, ignore_extra,
                                    cast_dtype, dtype_source)

    def load_dict(self, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
                  cast_dtype=False, dtype_source='current'):
        """Loads `{structural name: NDArray}`; every problem is reported in one error."""
        _checkpoint.load_dict(self, param_dict, ctx, allow_missing, ignore_extra, cast_dtype,
                              dtype_source)
