# cmake -DPROGRAM=backprop_curve -DOUT=dir -P resume_test.cmake
# A run killed (SIGKILL, as a lost machine) while writing a checkpoint every K iterations,
# resumed from its last checkpoint, ends with exactly the parameters and cost of a run that was
# never interrupted — without noise, and with noise (the generator's state is checkpointed).
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")

function(run_program)
  execute_process(COMMAND "${PROGRAM}" ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} ${ARGN}\nexit ${code}\n${out}${err}")
  endif()
endfunction()

function(final_state json_file prefix)
  file(READ "${json_file}" json)
  string(JSON parameters GET "${json}" parameters)
  string(JSON cost GET "${json}" final cost)
  string(JSON iteration GET "${json}" final iteration)
  set(${prefix}_parameters "${parameters}" PARENT_SCOPE)
  set(${prefix}_cost "${cost}" PARENT_SCOPE)
  set(${prefix}_iteration "${iteration}" PARENT_SCOPE)
endfunction()

foreach(noise 0 1)
  set(checkpoint "${OUT}/checkpoint_noise${noise}")
  # Killed after two seconds: far from its 10^8 iterations, with checkpoints every 1000.
  execute_process(COMMAND "${PROGRAM}" --noise ${noise} --seed 3 --iterations 100000000
                          --checkpoint-every 1000 --save "${checkpoint}" --log-every 0
                  TIMEOUT 2 RESULT_VARIABLE code OUTPUT_QUIET ERROR_QUIET)
  if(code EQUAL 0)
    message(FATAL_ERROR "the run to be killed ended by itself")
  endif()
  file(READ "${checkpoint}/manifest.json" manifest)
  string(JSON reached GET "${manifest}" metadata iteration)
  if(reached EQUAL 0)
    message(FATAL_ERROR "no checkpoint after the first 1000 iterations")
  endif()
  math(EXPR total "${reached} + 700")
  message(STATUS "noise ${noise}: killed; last checkpoint at ${reached}; resuming to ${total}")

  # Resumed with only --resume and --iterations: noise, seed and optimizer come from it.
  run_program(--resume "${checkpoint}" --iterations ${total} --json "${OUT}/resumed${noise}.json"
              --log-every 0)
  run_program(--noise ${noise} --seed 3 --iterations ${total} --json "${OUT}/straight${noise}.json"
              --log-every 0)
  final_state("${OUT}/resumed${noise}.json" resumed)
  final_state("${OUT}/straight${noise}.json" straight)
  if(NOT resumed_iteration EQUAL total)
    message(FATAL_ERROR "the resumed run ended at ${resumed_iteration}, not ${total}")
  endif()
  if(NOT resumed_cost STREQUAL straight_cost OR NOT resumed_parameters STREQUAL straight_parameters)
    message(FATAL_ERROR "noise ${noise}: resumed cost ${resumed_cost} and parameters differ from "
                        "the uninterrupted run's (cost ${straight_cost})")
  endif()
endforeach()
