# portui-expect: manual
# DataParallel / DistributedDataParallel wrappers and process-group setup.
import torch
import torch.distributed
from torch.nn.parallel import DistributedDataParallel as DDP


def wrap(model, rank, multi):
    if multi:
        torch.distributed.init_process_group(backend="nccl")
        return DDP(model, device_ids=[rank])
    return torch.nn.DataParallel(model)
