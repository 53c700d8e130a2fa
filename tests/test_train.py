import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlbook.train import evaluate, fit


def _classification(n=200):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return DataLoader(TensorDataset(x, y), batch_size=20, shuffle=False)


def test_fit_learns_a_linear_boundary():
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    loader = _classification()
    history = fit(model, loader, epochs=5, optimizer=torch.optim.SGD(model.parameters(), lr=0.5),
                  loss_fn=nn.CrossEntropyLoss(), val_loader=loader)
    assert history.epochs == [1, 2, 3, 4, 5]
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_accuracy[-1] > 0.9
    assert evaluate(model, loader, loss_fn=nn.CrossEntropyLoss())["accuracy"] == pytest.approx(history.val_accuracy[-1])


def test_fit_regression_has_no_accuracy_and_follows_scheduler():
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 50).unsqueeze(1)
    loader = DataLoader(TensorDataset(x, 3 * x), batch_size=10)
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, loader, epochs=4, optimizer=opt, loss_fn=nn.MSELoss(),
                  scheduler=torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5))
    assert history.train_accuracy == []
    assert history.learning_rate == [0.1, 0.1, 0.05, 0.05]


def test_huge_learning_rate_stops_as_diverged():
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 50).unsqueeze(1)
    loader = DataLoader(TensorDataset(x, 3 * x), batch_size=10)
    model = nn.Linear(1, 1)
    history = fit(model, loader, epochs=50, optimizer=torch.optim.SGD(model.parameters(), lr=1e6), loss_fn=nn.MSELoss())
    assert history.diverged
    assert len(history.train_loss) < 50
    assert not math.isfinite(history.train_loss[-1])


def test_on_epoch_end_can_stop_early():
    model = nn.Linear(2, 2)
    history = fit(model, _classification(), epochs=10, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  loss_fn=nn.CrossEntropyLoss(), on_epoch_end=lambda epoch, h: epoch == 2)
    assert len(history.train_loss) == 2


def test_empty_data_is_a_clear_error():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="空"):
        fit(model, [], epochs=1, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), loss_fn=nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="空"):
        evaluate(model, [], loss_fn=nn.CrossEntropyLoss())
