# A Bayesian model's priors: Gamma, Chi2, Beta, Dirichlet, StudentT and Poisson, their entropies
# and log-densities (exact), and draws (each framework's own generator): what is compared of the
# draws is what holds whatever the numbers, shapes and sample moments over many draws, within a
# tolerance well above their standard error (6%, against at most 2% here).
import numpy as np
import torch
from torch.distributions import Beta, Chi2, Dirichlet, Gamma, Poisson, StudentT

TOLERANCE = 1e-4


def compute():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    shape = torch.tensor(rng.uniform(0.3, 4.0, 3), dtype=torch.float32)
    rate = torch.tensor(rng.uniform(0.5, 2.0, 3), dtype=torch.float32)
    gamma = Gamma(shape, rate)
    chi2 = Chi2(shape * 2)
    beta = Beta(shape, rate)
    dirichlet = Dirichlet(torch.stack([shape, rate, shape + rate], dim=-1))
    student = StudentT(shape + 3.0, loc=rate, scale=shape)
    poisson = Poisson(shape * 3)
    point = torch.tensor([0.2, 0.5, 0.7])
    simplex = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3], [0.1, 0.1, 0.8]])
    exact = {
        "entropy": [gamma.entropy(), chi2.entropy(), beta.entropy(), dirichlet.entropy(), student.entropy()],
        "perplexity": gamma.perplexity(),
        "log_prob": [gamma.log_prob(point), chi2.log_prob(point), beta.log_prob(point), dirichlet.log_prob(simplex),
                     student.log_prob(point), poisson.log_prob(torch.tensor([0.0, 3.0, 7.0]))],
        "shapes": [list(gamma.sample((5,)).shape), list(dirichlet.sample((4, 2)).shape), list(beta.sample().shape),
                   list(student.sample((6,)).shape), list(poisson.sample((2,)).shape)],
    }
    n = 40000
    draws = [gamma.sample((n,)), chi2.sample((n,)), beta.sample((n,)), dirichlet.sample((n,)), student.sample((n,)), poisson.sample((n,))]
    means = [bool(((d.mean(0) / m - 1).abs() < 0.06).all()) for d, m in zip(draws, [gamma.mean, chi2.mean, beta.mean, dirichlet.mean, student.mean, poisson.mean])]
    spreads = [bool(((d.var(0) / v - 1).abs() < 0.06).all()) for d, v in zip(draws[:4] + draws[5:], [gamma.variance, chi2.variance, beta.variance, dirichlet.variance, poisson.variance])]
    simplex_sums = dirichlet.sample((10,)).sum(-1)
    in_unit = bool(((draws[2] > 0) & (draws[2] < 1)).all())
    integers = bool((draws[5] == draws[5].round()).all())
    return exact, means, spreads, simplex_sums, in_unit, integers
