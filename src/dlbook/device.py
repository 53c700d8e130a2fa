"""选择训练设备：有 CUDA 用 CUDA，其次 Apple MPS，否则 CPU（见 {ref}`sec-introduction`）。"""

from __future__ import annotations

import torch


def best_device() -> torch.device:
    """返回本机最快的可用设备：CUDA → MPS → CPU（见 {ref}`sec-introduction`）。"""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device | str | None = None) -> str:
    """用一句中文描述设备，例如“CPU（2 个线程）”或“CUDA：NVIDIA H100”（见 {ref}`sec-introduction`）。"""
    device = torch.device(device) if device is not None else best_device()
    if device.type == "cuda":
        return f"CUDA：{torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU（{torch.get_num_threads()} 个线程）"
