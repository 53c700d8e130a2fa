"""《动手玩深度学习》的辅助包：数据、交互图、训练循环与小模型。

导入本包没有任何副作用；每章开头的隐藏单元显式调用 :func:`dlbook.setup`。
"""

from dlbook.environment import setup

__all__ = ["setup"]
__version__ = "0.1.0"  # 唯一的版本号：pyproject.toml 从这里读取
