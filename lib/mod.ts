/**
 * The course kit's shared library: datasets, models, training, charts and notebook display.
 *
 * @module
 */
