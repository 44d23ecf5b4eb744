"""MuZero with the past-policies (PVE) loss: a resumable TF/Reverb pipeline.

The supported stack is pinned in constraints.txt; `./run.sh setup` installs
this package with it.
"""
import setuptools

setuptools.setup(
    name="pve-muzero",
    version="0.1.0",
    description="MuZero with the Proper Value Equivalence past-policies loss",
    python_requires=">=3.11,<3.12",
    packages=setuptools.find_packages(include=["pipeline", "pipeline.*"]),
    package_data={"pipeline": ["data/*.csv", "data/*.md"]},
    install_requires=[
        "tensorflow==2.15.1",
        "dm-reverb==0.14.0",
        "dm-env",
        "rlax==0.1.7",
        "jax==0.4.34",
        "jaxlib==0.4.34",
        "ml-dtypes~=0.3.1",
        "numpy<2",
        "absl-py",
        "ml-collections",
        "gymnasium",
        # LunarLander-v3 (Box2D). gymnasium's box2d package imports pygame when
        # it is imported (for CarRacing), although nothing here renders.
        "box2d==2.3.10",
        "pygame-ce==2.5.8",
        "minatar",
        "ale-py==0.12.*",
        "scipy",
        "rliable",
        "pandas<3",
        "matplotlib",
    ],
    # mctx is a test-time oracle for the search only. "gpu": TensorFlow with
    # its CUDA libraries from the package registry (./run.sh setup --gpu).
    extras_require={"test": ["pytest", "pytest-timeout", "pytest-xdist", "mctx==0.0.5"],
                    "gpu": ["tensorflow[and-cuda]==2.15.1"]},
)
