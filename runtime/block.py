"""Public Block classes: `Block`, `HybridBlock`, `SymbolBlock` (see the private modules)."""
from ._block import Block
from ._hybrid import HybridBlock
from ._symbol_block import SymbolBlock

__all__ = ['Block', 'HybridBlock', 'SymbolBlock']
