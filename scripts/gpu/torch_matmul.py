"""PyTorch (cuBLAS) FP32 matmul at the sizes of scripts/gpu/matmul-sizes.ts, TF32 off, as a
ceiling beside our WebGPU kernel; plus the FP32 peak from the SM count and the max SM clock.

    python3 scripts/gpu/torch_matmul.py --sizes 512,1024,2048,4096,8192 --out FILE.json

Timing: CUDA events around k back-to-back products (k so a batch lasts >= 60 ms), median of
7 batches after 3 warm-ups; random normal inputs. Layouts: NN = A @ B, TN = A.T @ B,
NT = A @ B.T (transposed views: cuBLAS is called with the transpose flags, no copy).
Correctness: relative Frobenius error of the 1024^3 product against float64 on the GPU.
"""
import argparse
import json
import subprocess

import torch


def max_sm_clock_mhz():
    try:
        out = subprocess.run(['nvidia-smi', '--query-gpu=clocks.max.sm', '--format=csv,noheader,nounits'],
                             capture_output=True, text=True, timeout=20).stdout.strip().splitlines()
        return float(out[0])
    except Exception:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', default='512,1024,2048,4096,8192')
    ap.add_argument('--out', default=None)
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision('highest')
    dev = torch.device('cuda')
    props = torch.cuda.get_device_properties(dev)
    sms = props.multi_processor_count
    clock = max_sm_clock_mhz()
    # Hopper (sm_90): 128 FP32 lanes per SM, an FMA = 2 FLOP.
    peak = sms * 128 * 2 * clock * 1e6 / 1e9 if clock else None
    info = {'name': props.name, 'sms': sms, 'capability': f'{props.major}.{props.minor}',
            'memory_gib': props.total_memory / 2**30, 'max_sm_clock_mhz': clock,
            'fp32_peak_gflops': peak, 'torch': torch.__version__, 'cuda': torch.version.cuda,
            'allow_tf32': torch.backends.cuda.matmul.allow_tf32}
    print('torch_matmul:', json.dumps(info))
    results = []
    for n in [int(s) for s in args.sizes.split(',')]:
        g = torch.Generator(device=dev).manual_seed(n)
        a = torch.randn(n, n, device=dev, generator=g)
        b = torch.randn(n, n, device=dev, generator=g)
        if n == 1024:
            ref = a.double() @ b.double()
            err = ((a @ b).double() - ref).norm() / ref.norm()
            info['rel_err_1024_nn'] = err.item()
            print(f'torch_matmul: 1024^3 NN rel. Frobenius error vs float64: {err.item():.2e}')
        for layout, fn in (('NN', lambda: a @ b), ('TN', lambda: a.t() @ b), ('NT', lambda: a @ b.t())):
            for _ in range(3):
                fn()
            torch.cuda.synchronize()
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record(); fn(); e.record(); torch.cuda.synchronize()
            one = s.elapsed_time(e)
            k = max(1, min(2000, int(60 / max(one, 1e-3)) + 1))
            samples = []
            for _ in range(7):
                s.record()
                for _ in range(k):
                    fn()
                e.record()
                torch.cuda.synchronize()
                samples.append(s.elapsed_time(e) / k)
            samples.sort()
            ms = samples[len(samples) // 2]
            gf = 2 * n ** 3 / (ms * 1e6)
            results.append({'n': n, 'layout': layout, 'k': k, 'ms': ms, 'gflops': gf, 'samples_ms': samples})
            print(f'torch_matmul: {n}^3 {layout}: {ms:.3f} ms = {gf:.0f} GFLOP/s' + (f' ({100 * gf / peak:.1f}% of {peak:.0f})' if peak else ''))
        del a, b
        torch.cuda.empty_cache()
    if args.out:
        with open(args.out, 'w') as f:
            json.dump({'device': info, 'timing': 'CUDA events, median of 7 batches of k products', 'results': results}, f, indent=2)


if __name__ == '__main__':
    main()
