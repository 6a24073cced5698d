// Nothing of its own: vial_examples_pch exists to build the precompiled <vial/vial.hpp>.
