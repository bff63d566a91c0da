"""GPUs and CUDA: a driver too old for the CUDA runtime, no GPU visible, GPU memory exhausted.
Missing CUDA *libraries* (``libcudart.so.11.0``, ``cudnn64_8.dll``) are the shared-library
family's, with ``cuda`` as their subject in its table; these are CUDA's own messages, raised
or printed on stderr (``diagnose_output``)."""

from __future__ import annotations

from typing import Any

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "gpu.cuda_driver",
        "family": "gpu",
        "scope": "both",
        "message": r"cudaErrorInsufficientDriver|CUDA driver version is insufficient for CUDA "
        r"runtime version|The NVIDIA driver on your system is too old|"
        r"forward compatibility was attempted on non supported HW|"
        r"CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        "kind": "missing_driver",
        "subject": "cuda",
        "title": "The NVIDIA driver on this server is too old for the CUDA version you use.",
        "explanation": "The installed GPU driver does not support this CUDA runtime; the driver "
        "is a system installation that {it_contact} must upgrade (or a build of the library "
        "for an older CUDA must be used).",
        "example": "cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA "
        "runtime version",
    },
    {
        "id": "gpu.absent",
        "family": "gpu",
        "scope": "both",
        "message": r"Found no NVIDIA driver on your system|No CUDA GPUs are available|"
        r"CUDA driver initialization failed|no CUDA-capable device is detected|"
        r"cudaErrorNoDevice|CUDA_ERROR_NO_DEVICE",
        "kind": "resource_limit",
        "subject": "gpu",
        "title": "This server (or your session) has no GPU available.",
        "explanation": "Your code asks for a CUDA GPU but none is visible here. A GPU session "
        "or server must be granted by {it_contact}; otherwise run on the CPU.",
        "example": "RuntimeError: Found no NVIDIA driver on your system.",
    },
    {
        "id": "gpu.cuda_oom",
        "family": "gpu",
        "message": r"CUDA out of memory|CUDA_ERROR_OUT_OF_MEMORY",
        "kind": "resource_limit",
        "subject": "gpu",
        "title": "The GPU ran out of memory.",
        "explanation": "The model or batch does not fit in this GPU's memory. Use a smaller "
        "batch, or ask {it_contact} for a larger GPU.",
        "confidence": "medium",
        "example": "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
    },
]
