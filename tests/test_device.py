import torch

from dlbook.device import best_device, describe_device


def test_best_device_is_usable():
    device = best_device()
    assert torch.zeros(2, device=device).sum().item() == 0.0


def test_describe_cpu():
    text = describe_device("cpu")
    assert text.startswith("CPU")
    assert str(torch.get_num_threads()) in text
